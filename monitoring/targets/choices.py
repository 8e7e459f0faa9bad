"""Fixed vocabularies of collection targets."""

from django.db import models


class TargetKind(models.TextChoices):
    SCRAPE = "scrape", "Prometheus scrape"
    HTTP = "http", "HTTP check"
    TCP = "tcp", "TCP connect check"


class TargetHealth(models.TextChoices):
    UNKNOWN = "unknown", "Not run yet"
    UP = "up", "Up"
    DOWN = "down", "Down"


class TargetSource(models.TextChoices):
    MANUAL = "manual", "Made by hand"
    CMDB = "cmdb", "Discovered from the CMDB"


class HttpMethod(models.TextChoices):
    GET = "GET", "GET"
    HEAD = "HEAD", "HEAD"
    POST = "POST", "POST"
