"""The CI classes every installation starts with (created by migration 0002, and by the demo
seeder if they are missing). Admins may add classes or change schemas afterwards.

Changing a definition here only affects new databases: an existing one needs a data migration.
"""

_VERSION = {"type": "string", "maxLength": 50}
_VENDOR = {"type": "string", "maxLength": 100}
_MODEL = {"type": "string", "maxLength": 100}
_OS = {"type": "string", "maxLength": 100}
_MEMORY_GB = {"type": "number", "exclusiveMinimum": 0}


def _schema(properties: dict, required: tuple[str, ...] = ()) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


STANDARD_CLASSES: list[dict] = [
    {
        "slug": "server",
        "name": "Server",
        "icon": "hdd-rack",
        "description": "A physical server.",
        "attribute_schema": _schema(
            {
                "cpu_cores": {"type": "integer", "minimum": 1},
                "memory_gb": _MEMORY_GB,
                "os": _OS,
                "vendor": _VENDOR,
                "model": _MODEL,
                "serial_number": {"type": "string", "maxLength": 100},
            }
        ),
    },
    {
        "slug": "hypervisor",
        "name": "Hypervisor",
        "icon": "boxes",
        "description": "A physical host that runs virtual machines.",
        "attribute_schema": _schema(
            {
                "cpu_cores": {"type": "integer", "minimum": 1},
                "memory_gb": _MEMORY_GB,
                "platform": {
                    "type": "string",
                    "enum": ["vmware-esxi", "kvm", "hyper-v", "xen", "proxmox"],
                },
                "version": _VERSION,
            }
        ),
    },
    {
        "slug": "virtual-machine",
        "name": "Virtual machine",
        "icon": "pc-display",
        "description": "A virtual machine on a hypervisor or in a cloud.",
        "attribute_schema": _schema(
            {"vcpus": {"type": "integer", "minimum": 1}, "memory_gb": _MEMORY_GB, "os": _OS}
        ),
    },
    {
        "slug": "container",
        "name": "Container",
        "icon": "box",
        "description": "A container or pod.",
        "attribute_schema": _schema(
            {
                "image": {"type": "string", "maxLength": 255},
                "orchestrator": {
                    "type": "string",
                    "enum": ["kubernetes", "docker", "nomad", "podman"],
                },
                "replicas": {"type": "integer", "minimum": 0},
            }
        ),
    },
    {
        "slug": "network-device",
        "name": "Network device",
        "icon": "diagram-3",
        "description": "A switch, router or wireless controller.",
        "attribute_schema": _schema(
            {
                "device_type": {
                    "type": "string",
                    "enum": ["core-switch", "distribution-switch", "access-switch", "router"],
                },
                "vendor": _VENDOR,
                "model": _MODEL,
                "ports": {"type": "integer", "minimum": 1},
                "firmware": _VERSION,
            }
        ),
    },
    {
        "slug": "load-balancer",
        "name": "Load balancer",
        "icon": "signpost-split",
        "description": "Spreads traffic over a pool of backends.",
        "attribute_schema": _schema(
            {
                "vendor": _VENDOR,
                "model": _MODEL,
                "virtual_ip": {"type": "string", "maxLength": 45},
            }
        ),
    },
    {
        "slug": "firewall",
        "name": "Firewall",
        "icon": "bricks",
        "description": "Filters traffic between network zones.",
        "attribute_schema": _schema({"vendor": _VENDOR, "model": _MODEL, "firmware": _VERSION}),
    },
    {
        "slug": "storage",
        "name": "Storage",
        "icon": "device-hdd",
        "description": "A storage array, NAS or object store.",
        "attribute_schema": _schema(
            {
                "capacity_tb": {"type": "number", "exclusiveMinimum": 0},
                "protocol": {"type": "string", "enum": ["iscsi", "fc", "nfs", "smb", "s3"]},
                "vendor": _VENDOR,
            }
        ),
    },
    {
        "slug": "database",
        "name": "Database",
        "icon": "database",
        "description": "A database instance.",
        "attribute_schema": _schema(
            {
                "engine": {
                    "type": "string",
                    "enum": [
                        "postgresql",
                        "mysql",
                        "mariadb",
                        "oracle",
                        "sqlserver",
                        "mongodb",
                        "redis",
                    ],
                },
                "version": _VERSION,
                "role": {"type": "string", "enum": ["primary", "replica", "standalone"]},
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            },
            required=("engine",),
        ),
    },
    {
        "slug": "message-queue",
        "name": "Message queue",
        "icon": "envelope-paper",
        "description": "A message broker or event stream.",
        "attribute_schema": _schema(
            {
                "engine": {"type": "string", "enum": ["rabbitmq", "kafka", "activemq", "nats"]},
                "version": _VERSION,
            }
        ),
    },
    {
        "slug": "application",
        "name": "Application",
        "icon": "window-stack",
        "description": "Software that runs on hosts and serves other CIs or people.",
        "attribute_schema": _schema(
            {
                "version": _VERSION,
                "language": {"type": "string", "maxLength": 50},
                "repository": {"type": "string", "maxLength": 255},
                "url": {"type": "string", "maxLength": 255},
            }
        ),
    },
    {
        "slug": "business-service",
        "name": "Business service",
        "icon": "briefcase",
        "is_service": True,
        "description": "What the business and its customers use; built from other CIs.",
        "attribute_schema": _schema(
            {
                "service_owner": {"type": "string", "maxLength": 100},
                "support_hours": {"type": "string", "enum": ["24x7", "business-hours"]},
                "customer_facing": {"type": "boolean"},
            }
        ),
    },
]
