"""Default content of the three lists (三张清单), from domain-rules §5 and §7.

Weights are proposals each tenant may change. Items whose wording comes from the 2004 grade
standard or group standards not yet checked against the original text carry ``to_verify=True``
and are marked "待核实 / to be verified" wherever they are shown.
"""
from __future__ import annotations

# A section: (code, title_zh, title_en, weight or None, items)
# An item: dict(code, text_zh, text_en, evidence, grades=(一级, 二级, 三级) or None, to_verify, threshold)

_STD = "2004 std"


def _item(code, text_zh, text_en, evidence="", grades=None, to_verify=False, threshold=None):
    return {"code": code, "text_zh": text_zh, "text_en": text_en, "evidence": evidence,
            "grades": list(grades) if grades else None, "to_verify": to_verify, "threshold": threshold}


LIST_A = [
    ("A1", "基本要求/客户服务", "General requirements and customer service", 20, [
        _item("A1.1", "签订书面物业服务合同并公示服务内容与标准", "Written service contract signed; service content and standards published", "document"),
        _item("A1.2", "项目负责人、投诉电话、营业执照公示", "Project manager, complaint number and business licence on the notice board", "photo"),
        _item("A1.3", "服务热线时长", "Service hotline hours", "config", ("24小时", "16小时", "8小时"), True),
        _item("A1.4", "急修到场时间", "Emergency repair arrival time", "ticket data", ("≤30分钟", "≤60分钟", "按约定"), True),
        _item("A1.5", "报修、维修、回访记录完整率≥95%", "Repair, maintenance and follow-up records ≥95% complete", "ticket data",
              ("须含回访", "完整", "完整"), True),
        _item("A1.6", "投诉10日内答复率", "Share of complaints answered within 10 days", "ticket data"),
        _item("A1.7", "每年至少1次满意度征询，满意率", "At least one satisfaction survey a year; satisfaction rate", "survey",
              ("≥80%", "≥75%", "≥70%")),
        _item("A1.8", "按季度/年度公布收支；规范使用维修资金", "Income and spending published quarterly/yearly; repair fund used properly", "ledger",
              to_verify=True),
    ]),
    ("A2", "房屋管理", "Building management", 15, [
        _item("A2.1", "共用部位巡查频次", "Patrol frequency of common parts", "patrol log", ("每日", "每3日", "每周"), True),
        _item("A2.2", "装修现场巡查频次；违规装修劝阻并报告", "Renovation site patrols; stop and report illegal renovation", "log",
              ("每日", "每3日", "约每周"), True),
        _item("A2.3", "违章搭建、改变房屋用途劝阻并报告", "Stop and report illegal structures and changes of use", "log", to_verify=True),
        _item("A2.4", "标识系统（平面图、路标、楼栋单元标志）", "Signage (site plan, road signs, building and entrance signs)", "photo", to_verify=True),
    ]),
    ("A3", "共用设施设备维修养护", "Maintenance of shared facilities and equipment", 20, [
        _item("A3.1", "设施设备台账、运行维保记录齐全", "Equipment ledger and operation/maintenance records complete", "records", to_verify=True),
        _item("A3.2", "电梯运行时间；电梯维保单位及应急方案公示", "Lift operating hours; lift maintainer and emergency plan published", "records, notice",
              ("24小时", "6–24小时", "6–24小时"), True),
        _item("A3.3", "消防设施完好、消防通道畅通", "Fire equipment in order, fire lanes clear", "inspection", to_verify=True),
        _item("A3.4", "路灯、楼道灯完好率", "Share of working street and stairwell lights", "spot check", ("≥95%", "≥90%", "≥80%"), True),
        _item("A3.5", "设备房无跑冒滴漏、鼠害", "Plant rooms free of leaks and rodents", "inspection", to_verify=True),
        _item("A3.6", "二次供水水箱清洗及水质检测报告", "Secondary water tanks cleaned; water-quality reports", "report"),
    ]),
    ("A4", "协助维护公共秩序", "Public order and security", 20, [
        _item("A4.1", "主出入口24小时值勤", "24-hour duty at the main entrance", "spot check", ("站岗", "值勤", "值勤"), True),
        _item("A4.2", "重点部位巡查频次；监控24小时", "Patrols of key spots; 24-hour video monitoring", "patrol log", ("每1小时", "每2小时", "每3小时"), True),
        _item("A4.3", "车辆管理、停放有序，消防通道无占用", "Vehicles managed and parked in order; fire lanes unobstructed", "spot check",
              ("凭卡", "引导", "有序"), True),
        _item("A4.4", "外来人员、装修人员登记", "Visitors and renovation workers registered", "log"),
        _item("A4.5", "突发事件应急预案及演练", "Emergency plans and drills", "plan, drill record", to_verify=True),
        _item("A4.6", "电动车飞线充电、高空抛物宣传与劝阻", "E-bike cable charging and objects thrown from height: publicity and stopping", "log"),
    ]),
    ("A5", "保洁服务", "Cleaning", 15, [
        _item("A5.1", "垃圾清运频次，垃圾分类落实", "Refuse collection frequency; waste sorting in place", "log, spot check",
              ("每日2次", "每日1次", "每日1次"), True),
        _item("A5.2", "道路、楼道清扫拖洗频次", "Sweeping and mopping of roads and stairwells", "log", ("每日2次", "每日1次", "定期"), True),
        _item("A5.3", "化粪池、雨污水井检查清掏", "Septic tanks and drains inspected and cleared", "log", ("每月", "每季度", "定期"), True),
        _item("A5.4", "定期消杀", "Regular pest control and disinfection", "log", to_verify=True),
    ]),
    ("A6", "绿化养护管理", "Greening", 10, [
        _item("A6.1", "专业人员养护", "Maintained by trained staff", "roster", ("专业人员", "—", "—"), True),
        _item("A6.2", "草坪无杂草、杂物，及时补种", "Lawns free of weeds and litter; replanting on time", "spot check",
              ("无", "基本无", "定期清理"), True),
        _item("A6.3", "修剪、浇灌、施肥、防病虫害", "Pruning, watering, fertilising, pest prevention", "log", to_verify=True),
    ]),
]

DOUBLE = {"area": "1/2", "headcount": "1/2", "strict": True}
THREE_QUARTERS = {"area": "3/4", "headcount": "3/4", "strict": False}

LIST_B = [
    ("B1", "业主大会职权（不得由业委会决定）", "Powers of the owners' assembly (not the committee's)", None, [
        _item("B1.1", "制定和修改业主大会议事规则", "Adopt or amend the assembly's rules of procedure", threshold=DOUBLE),
        _item("B1.2", "制定和修改管理规约", "Adopt or amend the community rules", threshold=DOUBLE),
        _item("B1.3", "选举业主委员会或者更换业主委员会成员", "Elect the owners' committee or replace its members", threshold=DOUBLE),
        _item("B1.4", "选聘和解聘物业服务企业或者其他管理人", "Hire or dismiss the property firm or other manager", threshold=DOUBLE),
        _item("B1.5", "使用建筑物及其附属设施的维修资金", "Use the repair fund", threshold=DOUBLE),
        _item("B1.6", "筹集建筑物及其附属设施的维修资金", "Raise the repair fund", threshold=THREE_QUARTERS),
        _item("B1.7", "改建、重建建筑物及其附属设施", "Rebuild or alter buildings and facilities", threshold=THREE_QUARTERS),
        _item("B1.8", "改变共有部分的用途或者利用共有部分从事经营活动", "Change the use of common parts or operate them commercially",
              threshold=THREE_QUARTERS),
        _item("B1.9", "有关共有和共同管理权利的其他重大事项", "Other major matters of common ownership and management", threshold=DOUBLE),
    ]),
    ("B2", "业主委员会职责", "Duties of the owners' committee", None, [
        _item("B2.1", "召集业主大会并报告物业管理实施情况及本会履职情况", "Convene the assembly and report yearly on management and its own work", "minutes"),
        _item("B2.2", "代表业主签订物业服务合同；组织续聘或另聘", "Sign the service contract for the owners; organise renewal or re-tendering", "contract"),
        _item("B2.3", "监督和协助物业服务企业履行合同；组织物业服务质量评价", "Supervise and assist the firm; organise service-quality evaluations", "evaluation record"),
        _item("B2.4", "监督管理规约实施，制止违规行为", "Enforce the community rules and stop violations", "record"),
        _item("B2.5", "督促业主交纳物业费", "Urge owners to pay fees", "notice"),
        _item("B2.6", "组织和监督专项维修资金的筹集和使用", "Organise and supervise raising and use of the repair fund", "ledger"),
        _item("B2.7", "管理或监督公共收益：专户、单独核算、定期公示、审计", "Manage or supervise public revenue: dedicated account, separate books, publication, audit", "ledger"),
        _item("B2.8", "保管会议记录、档案、会计凭证、账簿、报表；印章使用需过半数委员签字", "Keep minutes, archives, vouchers, books; seal use needs signatures of over half the members", "archive"),
        _item("B2.9", "信息公开：决定3日内公布；半年公布公共收益、印章使用及委员交费情况", "Disclosure: decisions within 3 days; half-yearly common income, seal use and members' fee payments", "notice"),
        _item("B2.10", "建立投诉举报渠道，调解纠纷", "Complaint channels and mediation of disputes", "record"),
        _item("B2.11", "配合居委会、街道和执法机关工作", "Cooperate with the residents' committee, street office and enforcement bodies", "record"),
        _item("B2.12", "换届前6个月报告街道；任期届满移交档案、印章、财物", "Report to the street 6 months before term end; hand over archives, seal and property", "handover record"),
    ]),
    ("B3", "业主权利", "Owners' rights", None, [
        _item("B3.1", "按照物业服务合同的约定，接受物业服务企业提供的服务", "Receive the services agreed in the service contract"),
        _item("B3.2", "提议召开业主大会会议，并就物业管理的有关事项提出建议", "Propose assembly meetings and make suggestions on management"),
        _item("B3.3", "提出制定和修改管理规约、业主大会议事规则的建议", "Propose adopting or amending the community rules and rules of procedure"),
        _item("B3.4", "参加业主大会会议，行使投票权", "Attend assembly meetings and vote"),
        _item("B3.5", "选举业主委员会成员，并享有被选举权", "Elect committee members and stand for election"),
        _item("B3.6", "监督业主委员会的工作", "Supervise the owners' committee"),
        _item("B3.7", "监督物业服务企业履行物业服务合同", "Supervise the firm's performance of the service contract"),
        _item("B3.8", "对物业共用部位、共用设施设备和相关场地使用情况享有知情权和监督权", "Know and supervise how common parts, facilities and sites are used"),
        _item("B3.9", "监督物业共用部位、共用设施设备专项维修资金的管理和使用", "Supervise the management and use of the repair fund"),
        _item("B3.10", "查阅维修资金、管理规约与会议记录、物业服务合同、共有部分收益、车位处分等资料",
              "Inspect the repair fund, rules, decisions and minutes, the service contract, common-part income and parking disposal"),
    ]),
    ("B4", "业委会委员禁止行为", "Conduct prohibited for committee members", None, [
        _item("B4.1", "挪用、侵占业主共有财产", "Misappropriating owners' common property"),
        _item("B4.2", "利用职务之便谋取不正当利益", "Using the position for improper gain"),
        _item("B4.3", "拒不履行业主义务", "Refusing to perform owners' duties"),
        _item("B4.4", "无故缺席业委会会议", "Missing committee meetings without reason", to_verify=True),
    ]),
]

LIST_C = [
    ("C1", "五保基础服务", "Basic services (security, cleaning, greening, order, repairs)", 35, [
        _item("C1.1", "门岗值守、秩序维护抽查", "Spot check of gate duty and order", "spot check"),
        _item("C1.2", "环境卫生、保洁抽查", "Spot check of cleanliness", "spot check"),
        _item("C1.3", "绿化养护抽查", "Spot check of greening", "spot check"),
        _item("C1.4", "停车秩序抽查", "Spot check of parking order", "spot check"),
        _item("C1.5", "报修维修办结情况", "Repairs completed", "ticket data"),
    ]),
    ("C2", "安全与应急", "Safety and emergencies", 20, [
        _item("C2.1", "安全管理制度与应急预案", "Safety rules and emergency plans", "document"),
        _item("C2.2", "消防通道畅通", "Fire lanes clear", "spot check"),
        _item("C2.3", "电梯检验记录", "Lift inspection records", "records"),
        _item("C2.4", "电动车充电安全", "E-bike charging safety", "spot check"),
        _item("C2.5", "防汛防台等应急处置", "Flood, typhoon and emergency response", "record"),
        _item("C2.6", "上季度问题整改", "Rectification of last quarter's findings", "record"),
    ]),
    ("C3", "信息公示与资金规范", "Disclosure and fund rules", 20, [
        _item("C3.1", "公示栏内容完整、及时更新", "Notice board complete and current", "photo"),
        _item("C3.2", "公共收益按时公示", "Public revenue published on time", "ledger"),
        _item("C3.3", "收费使用三联单", "Triplicate receipts used for fees", "receipts"),
        _item("C3.4", "阳光财务审计公示备案", "Audits published and filed", "report"),
        _item("C3.5", "维修资金使用记录", "Repair-fund records", "ledger"),
    ]),
    ("C4", "居业物协同与重点工作", "Cooperation and key tasks", 15, [
        _item("C4.1", "参加居委会、业委会联席会议", "Attends residents' and owners' committee meetings", "minutes"),
        _item("C4.2", "矛盾纠纷调解", "Mediation of disputes", "record"),
        _item("C4.3", "垃圾分类", "Waste sorting", "spot check"),
        _item("C4.4", "公共卫生与病媒防制", "Public health and pest control", "record"),
        _item("C4.5", "文明城市创建等重点任务", "Civilised-city and other key tasks", "record"),
    ]),
    ("C5", "内部管理规范化", "Internal management", 10, [
        _item("C5.1", "人员配置符合合同约定", "Staffing matches the contract", "roster"),
        _item("C5.2", "管理制度健全并落实", "Rules written and followed", "document"),
        _item("C5.3", "档案记录完整", "Records kept", "archive"),
        _item("C5.4", "从业人员持证上岗", "Staff certified", "certificates"),
    ]),
]

DEFAULTS = {"A": LIST_A, "B": LIST_B, "C": LIST_C}
