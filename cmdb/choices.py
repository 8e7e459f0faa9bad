from django.db import models


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"
    TEST = "test", "Test"
    DEVELOPMENT = "development", "Development"
    DISASTER_RECOVERY = "dr", "Disaster recovery"


class CIStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_BUILD = "in_build", "In build"
    OPERATIONAL = "operational", "Operational"
    MAINTENANCE = "maintenance", "In maintenance"
    RETIRED = "retired", "Retired"


class Criticality(models.IntegerChoices):
    CRITICAL = 1, "1 - Critical"
    HIGH = 2, "2 - High"
    MEDIUM = 3, "3 - Medium"
    LOW = 4, "4 - Low"


class RelationshipType(models.TextChoices):
    """Each type reads `source <verb> target`. For runs_on, depends_on and connects_to the
    source needs the target; for part_of the whole (target) needs its part (source)."""

    RUNS_ON = "runs_on", "runs on"
    DEPENDS_ON = "depends_on", "depends on"
    CONNECTS_TO = "connects_to", "connects to"
    PART_OF = "part_of", "is part of"


class LocationKind(models.TextChoices):
    REGION = "region", "Region"
    SITE = "site", "Site"
    ROOM = "room", "Room"
    RACK = "rack", "Rack"
