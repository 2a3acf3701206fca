"""The default ticket taxonomy (domain rules §6.1) and its time limits (§6.2), seeded into each tenant.

Limits: (response, unit, resolution, unit). Emergency repairs in hours (arrival within the hour, fixed within
a day); routine repairs answered the next working day and finished within three; a complaint answered within a
working day and settled within seven working days (the Hangzhou rule's ten calendar days); the safety-related
complaints (lifts and water, e-bike charging, high-rise throwing) answered within two hours as seed 004's
enforcement teams do. A bureau changes any of them on its categories page.
"""
from __future__ import annotations

from portal.tickets.models import LimitUnit, TicketType

H, WD = LimitUnit.HOURS, LimitUnit.WORKING_DAYS

# code, type, name_zh, name_en, (response, unit, resolution, unit)
DEFAULT_CATEGORIES = (
    ("repair_emergency", TicketType.REPAIR, "急修（漏水、停电、困梯、燃气味等）",
     "Emergency repair (flooding, power cut, trapped in a lift, gas smell)", (1, H, 24, H)),
    ("repair_routine", TicketType.REPAIR, "一般维修", "Routine repair", (1, WD, 3, WD)),
    ("repair_paid", TicketType.REPAIR, "户内有偿维修", "Paid repair inside a home", (1, WD, 7, WD)),
    ("complaint_attitude", TicketType.COMPLAINT, "服务态度", "Staff attitude", (1, WD, 7, WD)),
    ("complaint_cleaning", TicketType.COMPLAINT, "保洁卫生", "Cleaning", (1, WD, 7, WD)),
    ("complaint_greening", TicketType.COMPLAINT, "绿化", "Greening", (1, WD, 7, WD)),
    ("complaint_security", TicketType.COMPLAINT, "秩序安保", "Order and security", (1, WD, 7, WD)),
    ("complaint_parking", TicketType.COMPLAINT, "车辆停放/消防通道", "Parking and fire lanes", (1, WD, 7, WD)),
    ("complaint_noise", TicketType.COMPLAINT, "噪声/装修扰民", "Noise and renovation", (1, WD, 7, WD)),
    ("complaint_structures", TicketType.COMPLAINT, "违章搭建/占用公共部位",
     "Illegal structures, occupied common areas", (1, WD, 7, WD)),
    ("complaint_ebike", TicketType.COMPLAINT, "飞线充电/电动车", "E-bike charging", (2, H, 5, WD)),
    ("complaint_throwing", TicketType.COMPLAINT, "高空抛物", "Throwing from height", (2, H, 5, WD)),
    ("complaint_fees", TicketType.COMPLAINT, "收费争议", "Fees and charges", (1, WD, 7, WD)),
    ("complaint_disclosure", TicketType.COMPLAINT, "信息公示/公共收益", "Disclosure and public revenue",
     (1, WD, 7, WD)),
    ("complaint_lift_water", TicketType.COMPLAINT, "电梯/二次供水", "Lifts and secondary water supply",
     (2, H, 5, WD)),
    ("complaint_pets", TicketType.COMPLAINT, "宠物", "Pets", (1, WD, 7, WD)),
    ("complaint_other", TicketType.COMPLAINT, "其他", "Other", (1, WD, 7, WD)),
    ("enquiry", TicketType.ENQUIRY, "咨询", "Enquiry", (1, WD, 3, WD)),
    ("suggestion", TicketType.SUGGESTION, "建议", "Suggestion", (2, WD, 10, WD)),
    ("praise", TicketType.PRAISE, "表扬", "Praise", (2, WD, 5, WD)),
)

# An owner's "urgent" never waits longer than this (12345 practice: 2 h where life or property is at risk,
# 24 h for water, power, gas and heating).
URGENT_RESPONSE_HOURS = 2
URGENT_RESOLVE_HOURS = 24
# A resolved ticket the owner neither confirms nor reopens counts as confirmed after this many days.
AUTO_CONFIRM_DAYS = 7
# An overdue ticket goes to the community office at once, and to the bureau (督办) this many working days later.
BUREAU_AFTER_WORKING_DAYS = 2
MAX_PHOTOS = 6
# A 12345 work order is finished within 5 working days of the hotline's acceptance (Weifang art. 20, Jinan art. 24).
CITY_HOTLINE_WORKING_DAYS = 5
