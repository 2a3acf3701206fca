"""Imports every model so the metadata is complete (migrations, the drift test, the scoping registry)."""
from portal.api.models import ApiToken  # noqa: F401
from portal.audit.models import AuditEvent  # noqa: F401
from portal.auth.models import User  # noqa: F401
from portal.checklists.models import ChecklistItem, ChecklistSection, ChecklistVersion  # noqa: F401
from portal.communities.models import Area, Building, CommitteeMember, Community, OwnersCommittee, Unit  # noqa: F401
from portal.firms.models import Contract, Firm, ProjectManager  # noqa: F401
from portal.ledger.models import LedgerCategory, LedgerEntry, LedgerSettings, LedgerStatement, LedgerVoucher  # noqa: F401
from portal.owners.models import ClaimCode, UnitBinding  # noqa: F401
from portal.tickets.models import (  # noqa: F401
    CalendarDay, Consultation, FollowUp, SpotCheck, Ticket, TicketCategory, TicketEvent, TicketPhoto)
from tenants.models import Membership, Tenant  # noqa: F401
from tenants.billing.models import BillingAccount, BillingEvent, BillingInvoice, Plan  # noqa: F401
from portal.disclosures.models import BoardDraft, BoardVersion, DueRule, NoticeBoard, OverdueFact  # noqa: F401
from portal.tenant_export.models import TenantExport  # noqa: F401
import portal.disclosures.restore_check  # noqa: E402,F401  (registers the boards' check with the restore drill)
import portal.tickets.metrics  # noqa: E402,F401  (registers the overdue-tickets gauge with /metrics)
from portal.objections.models import Objection, ObjectionEvent, ObjectionSettings  # noqa: F401
from portal.evaluation.models import (  # noqa: F401
    Assessment, EvaluationPeriod, EvaluationScheme, EvidenceFile, OwnerScore, PeriodTransition, ScoreAdjustment)
from portal.evaluation.result_models import (  # noqa: F401
    Appeal, EvaluationRun, FirmResult, LadderEntry, ProjectResult, RectificationMilestone, RectificationPlan)
