"""The service catalog: the services tickets are raised against, and what people order: categories, items and
their forms (variables), requests (REQ) and their requested items (RITM)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from catalog.choices import Approver
from core.limits import long_text
from core.models import ApprovalRule, Ticket


class Criticality(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class Service(models.Model):
    """A service the desk supports (e-mail, VPN, payroll...), with its owning team and its support team."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(**long_text(blank=True))
    owner_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_services"
    )
    support_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="supported_services",
        help_text="New incidents on this service go to this team unless an assignment rule says otherwise.",
    )
    criticality = models.PositiveSmallIntegerField(choices=Criticality.choices, default=Criticality.MEDIUM)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Icons a category may show (Bootstrap Icons, served from node_modules: vendor/bootstrap-icons).
CATEGORY_ICONS = [("laptop", "Laptop"), ("display", "Screen"), ("phone", "Phone"), ("printer", "Printer"),
                  ("app-indicator", "Software"), ("key", "Access"), ("person-plus", "New joiner"),
                  ("building", "Facilities"), ("shield-lock", "Security"), ("cloud", "Cloud"), ("wifi", "Network"),
                  ("envelope", "E-mail"), ("tools", "Repairs"), ("box-seam", "Other")]


class CatalogCategory(models.Model):
    """A shelf of the service catalog (nested: "Hardware" > "Laptops"), with an icon; admin-managed."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.CharField(max_length=300, blank=True)
    icon = models.CharField(max_length=40, choices=CATEGORY_ICONS, default="box-seam")
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "catalog categories"

    def __str__(self) -> str:
        return f"{self.parent} › {self.name}" if self.parent_id else self.name


class ItemType(models.TextChoices):
    REQUEST = "request", "Request (fulfilled by the desk)"
    RECORD_PRODUCER = "record_producer", "Record producer (raises an incident)"
    ACCESS = "access", "Access to a system or group"
    REVOKE_ACCESS = "revoke_access", "Revoke access"


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    ORGANIZATIONS = "organizations", "People of some organizations"
    ROLES = "roles", "People with some roles"


class CatalogItem(models.Model):
    """Something people order from the catalog (a laptop, a software install, access to a folder): what it is,
    who may order it, how long it takes and what it costs, and its form (Variable)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    category = models.ForeignKey(CatalogCategory, on_delete=models.PROTECT, related_name="items")
    item_type = models.CharField("type", max_length=20, choices=ItemType.choices, default=ItemType.REQUEST)
    short_description = models.CharField(max_length=200)
    description = models.TextField(**long_text(blank=True))
    audience = models.CharField("who may order it", max_length=20, choices=Audience.choices,
                                default=Audience.EVERYONE)
    organizations = models.ManyToManyField("accounts.Organization", blank=True, related_name="+",
                                           help_text="With “People of some organizations”.")
    roles = models.CharField(max_length=100, blank=True,
                             help_text="With “People with some roles”: the roles that may order it.")
    delivery_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Usual delivery time, in days.")
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    picture = models.ImageField(upload_to="catalog/items/", blank=True,
                                help_text="A photo or drawing of it (PNG, JPEG, WebP or GIF, at most 2 MB).")
    access_system = models.ForeignKey("AccessSystem", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="items", help_text="With “Access to a system or group”.")
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Retired items can no longer be ordered.")

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class VariableType(models.TextChoices):
    TEXT = "text", "Single-line text"
    TEXTAREA = "textarea", "Multi-line text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    DATETIME = "datetime", "Date and time"
    BOOLEAN = "boolean", "Yes / no"
    CHOICE = "choice", "Single choice"
    MULTI_CHOICE = "multi_choice", "Multiple choice"
    USER = "user", "A person"
    ATTACHMENT = "attachment", "A file"


class TypedField(models.Model):
    """A typed field people fill in, validated by catalog.variables.clean_value: its type, whether it is required,
    help, bounds (a number's value, a text's length), a pattern, choices and its place. An item's form variables
    and a configuration item class's attributes (cmdb) are typed fields."""

    name = models.SlugField(max_length=60, help_text="Its key in the API and the stored answers.")
    label = models.CharField(max_length=200)
    var_type = models.CharField("type", max_length=20, choices=VariableType.choices, default=VariableType.TEXT)
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=300, blank=True)
    default = models.CharField(max_length=200, blank=True)
    min_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                    help_text="A number's least value; a text's least length.")
    max_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                    help_text="A number's greatest value; a text's greatest length.")
    pattern = models.CharField(max_length=200, blank=True, help_text="A regular expression a text must match.")
    pattern_message = models.CharField(max_length=200, blank=True, help_text="What to say when it does not.")
    choices = models.TextField(blank=True, help_text="One choice per line (its value and label).")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Variable(TypedField):
    """A field of an item's form (a typed field), and when it shows ("Monitor size" when "Type" is desktop)."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="variables")
    show_when = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  help_text="Show it only when this field of the form…")
    show_when_value = models.CharField(max_length=200, blank=True, help_text="…has this value (or contains it).")

    class Meta:
        ordering = ["item", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "name"], name="catalog_variable_name_unique")]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.name in ("access_level", "access_until", "access_to_revoke"):
            raise ValidationError({"name": ["This name belongs to the built-in fields of access items."]})


class Request(Ticket):
    """An order from the catalog (number REQ...): who ordered it for whom, and its requested items. Its state
    follows its items (catalog.kinds)."""

    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text="Who ordered it (the requester is who it is for).")

    class Meta:
        ordering = ["-opened_at"]

    def get_state_display(self) -> str:
        from catalog.choices import REQUEST_WORKFLOW

        return REQUEST_WORKFLOW.label(self.state)


class RequestedItem(Ticket):
    """One item of a request (number RITM...), with the answers to its form (only those that were shown)."""

    parent_request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="items")
    catalog_item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    approval_step = models.PositiveSmallIntegerField(default=0, help_text="How many approval steps were taken.")

    class Meta:
        ordering = ["parent_request_id", "ticket_ptr_id"]

    def get_state_display(self) -> str:
        from catalog.choices import ITEM_WORKFLOW

        return ITEM_WORKFLOW.label(self.state)


class ApprovalStep(models.Model):
    """One approval an item asks before it is prepared, in order: the requester's manager, or an approver group
    (core.ApproverGroup) under a rule. The requester never approves their own order: a step with nobody else to
    ask is skipped (journaled)."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="approval_steps")
    order = models.PositiveSmallIntegerField(default=1)
    approver = models.CharField(max_length=16, choices=Approver.choices, default=Approver.MANAGER)
    group = models.ForeignKey("core.ApproverGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              help_text="With “An approver group”.")
    rule = models.CharField(max_length=16, choices=ApprovalRule.choices, default=ApprovalRule.ANY)

    class Meta:
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. {self.group.name if self.group_id and self.group else self.get_approver_display()}"


class FulfilmentStep(models.Model):
    """One task of an item's fulfilment plan: the steps of a stage run in parallel, the stages one after the other
    (the next stage's tasks are raised once every task of the previous one is finished)."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="plan")
    stage = models.PositiveSmallIntegerField(default=1, help_text="Steps of the same stage run in parallel.")
    title = models.CharField(max_length=200)
    instructions = models.TextField(**long_text(blank=True))
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             help_text="Empty: the requested item's group.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["item", "stage", "order", "id"]

    def __str__(self) -> str:
        return f"{self.stage}. {self.title}"


class CatalogTask(Ticket):
    """A fulfilment task of a requested item (number TASK...), raised from its item's plan, stage by stage."""

    requested_item = models.ForeignKey(RequestedItem, on_delete=models.CASCADE, related_name="tasks")
    stage = models.PositiveSmallIntegerField(default=1)
    instructions = models.TextField(**long_text(blank=True))
    close_notes = models.TextField(**long_text(blank=True))

    class Meta:
        ordering = ["requested_item_id", "stage", "ticket_ptr_id"]

    def get_state_display(self) -> str:
        from catalog.choices import TASK_WORKFLOW

        return TASK_WORKFLOW.label(self.state)


class AccessSystem(models.Model):
    """A system or group people are given access to (a shared folder, an application, a mailing list): the levels
    it grants, who owns it (they approve each access), which team grants and revokes it, and how long access may
    last."""

    name = models.CharField(max_length=150, unique=True)
    description = models.CharField(max_length=300, blank=True)
    levels = models.TextField(default="Read\nRead and write", help_text="The access levels it grants, one per line.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="Approves each access to it.")
    owner_group = models.ForeignKey("core.ApproverGroup", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="Or: an approver group owns it (any member decides).")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             help_text="The team that grants and revokes access (empty: the requested item's).")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    end_date_required = models.BooleanField(default=False, help_text="Access to it always has an end date.")
    max_days = models.PositiveSmallIntegerField(null=True, blank=True,
                                                help_text="The longest access it grants, in days (empty: no limit).")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def level_list(self) -> list[str]:
        return [line.strip() for line in self.levels.splitlines() if line.strip()]


class GrantState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ACTIVE = "active", "Active"
    REVOKED = "revoked", "Revoked"
    CANCELLED = "cancelled", "Not granted"


class AccessGrant(models.Model):
    """The access register: who has (had, asked for) which access to which system, since and until when, granted by
    which requested item and revoked by which. Access with an end date is revoked by a request raised when it
    expires (catalog.grants.revoke_expired)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_grants")
    system = models.ForeignKey(AccessSystem, on_delete=models.PROTECT, related_name="grants")
    level = models.CharField(max_length=100)
    until = models.DateField(null=True, blank=True, help_text="The last day of access (empty: no end).")
    state = models.CharField(max_length=16, choices=GrantState.choices, default=GrantState.REQUESTED)
    requested_item = models.ForeignKey(RequestedItem, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="access_grants", help_text="The requested item that granted it.")
    created_at = models.DateTimeField(auto_now_add=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoke_item = models.ForeignKey(RequestedItem, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="revoked_grants", help_text="The requested item revoking it.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    expiry_raised_at = models.DateTimeField(null=True, blank=True,
                                            help_text="When its expiry raised the request revoking it (once).")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the beat's expiry sweep: active grants by end date
            models.Index(fields=["until"], name="catalog_grant_expiry",
                         condition=models.Q(state="active", expiry_raised_at__isnull=True)),
            models.Index(fields=["person", "state"], name="catalog_grant_person"),
        ]

    def __str__(self) -> str:
        return f"{self.system.name}: {self.level}"
