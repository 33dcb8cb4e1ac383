"""Choices of the agencies app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    """What kind of body an agency is."""

    MINISTRY = "ministry", _("Ministry")
    NON_MINISTERIAL_AGENCY = "non_ministerial_agency", _("Non-ministerial agency")
    PROVINCIAL_GOVERNMENT = "provincial_government", _("Provincial government")
    REGENCY_GOVERNMENT = "regency_government", _("Regency/city government")
    OPD = "opd", _("Regional government unit (OPD)")
    VERTICAL_OFFICE = "vertical_office", _("Vertical office")
    HOSPITAL = "hospital", _("Hospital")
    BLOOD_UNIT = "blood_unit", _("PMI blood unit")
    BUMN = "bumn", _("State-owned enterprise (BUMN)")
    BUMD = "bumd", _("Regional enterprise (BUMD)")
    NGO = "ngo", _("Non-governmental organisation")
    BUSINESS = "business", _("Business")
    COMMUNITY = "community", _("Community group")


GOVERNMENT_KINDS = {
    AgencyKind.PROVINCIAL_GOVERNMENT,
    AgencyKind.REGENCY_GOVERNMENT,
}


class MembershipRole(models.TextChoices):
    """Role a membership gives a user in one agency, from least to most."""

    VIEWER = "viewer", _("Viewer")
    STAFF = "staff", _("Staff")
    MANAGER = "manager", _("Manager")
    HEAD = "head", _("Head")
    ADMIN = "admin", _("Administrator")


class AffairCategory(models.TextChoices):
    """Category of a government affair (urusan pemerintahan, UU 23/2014)."""

    WAJIB_PELAYANAN_DASAR = "wajib_pelayanan_dasar", _("Mandatory, basic services")
    WAJIB_NON_PELAYANAN_DASAR = "wajib_non_pelayanan_dasar", _("Mandatory, not basic services")
    PILIHAN = "pilihan", _("Optional")
    PEMERINTAHAN_UMUM = "pemerintahan_umum", _("General government")
    PENUNJANG = "penunjang", _("Supporting function")
