from django.db import models


class Role(models.TextChoices):
    """The roles a person can hold; each is a Django group of the same label."""

    END_USER = "end_user", "End user"
    AGENT = "agent", "Agent"
    OPS_ENGINEER = "ops_engineer", "Ops engineer"
    CHANGE_MANAGER = "change_manager", "Change manager"
    ADMIN = "admin", "Admin"


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"
    INGEST = "ingest", "Ingest (metric and alert receivers)"
    ADMIN = "admin", "Admin"
