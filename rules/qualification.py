"""Module Q business rules in one import: `from rules.qualification import submit_violations, ...`.

The rules live in smaller files; this module only re-exports their public names:
- qualification_types: codes, Chinese names, default rule tables (Q-4, Q-5), RuleTables
- qualification_data: input dataclasses (ApplicationData, EnterpriseState, ReferenceData, ...)
- qualification_select: Q-1 to Q-6 and the form checklist
- qualification_basic: basic information, Q-8 to Q-13
- qualification_sections: child sections, Q-14 to Q-17
- attachments: required attachments and upload checks, Q-18 (and Q-26's letter)
- application: lifecycle and whole-application checks, Q-19, Q-20, Q-23 to Q-26
- approval: approval effects and date rules, Q-22, Q-27, Q-28, Q-30
"""
from rules.application import (  # noqa: F401
    cancellation_violations, change_application_violations,
    change_violations, edit_violations, extension_violations, extension_window, filing_violations,
    proxy_violations, save_violations, submit_violations, transition_violations,
)
from rules.approval import (  # noqa: F401
    ApprovalEffects, CertificateRequest, GrantedQualification, annual_report_violations,
    approval_effects, certificate_eligible_types, certificate_violations, expiry_date_passed,
    format_ciq_no, format_personnel_filing_no, format_registration_code, is_annual_report_eligible,
    needs_registration_code, qualifications_to_expire, temp_valid_until,
)
from rules.qualification_basic import (  # noqa: F401
    REQUIRED_ENTERPRISE_FIELDS, SYSTEM_FIELDS, body_system_field_violations, customs_for_region,
    enterprise_format_violations, express_operator_allowed, express_operator_violations,
    is_third_level_region, parent_violations, province_of, region_customs_violations,
    required_field_violations, system_field_violations,
)
from rules.qualification_data import (  # noqa: F401
    ApplicationData, EnterpriseState, OpenApplication, ParentInfo, QualificationRecord,
    ReferenceData, add_years, application_data_from_body, held_types, parse_date,
    valid_qualifications,
)
from rules.attachments import (  # noqa: F401
    MAX_ATTACHMENT_BYTES, allowed_extensions_for, attachment_kind_violations,
    attachment_violations, file_extension, required_attachment_violations,
)
from rules.qualification_sections import (  # noqa: F401
    declaration_personnel_violations, external_license_violations, investor_violations,
    license_valid_until, management_personnel_violations,
)
from rules.qualification_select import (  # noqa: F401
    already_filed_violations, dependency_violations, dual_violations, exclusion_violations,
    in_progress_violations, qualification_checklist, selection_violations, type_count_violations,
)
from rules.qualification_types import (  # noqa: F401
    ALL_TYPES, APPLICATION_TYPE_NAMES, DEFAULT_DEPENDENCIES, DEFAULT_EXCLUSIONS, QUALIFICATION_NAMES,
    SELECTABLE_TYPES, RuleTables, qualification_name,
)
