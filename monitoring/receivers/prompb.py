"""Protobuf classes for remote_write 1.0, built from descriptors written out below.

This is the Python form of remote_write.proto beside this file (keep the two in step; the test
suite encodes with one and decodes with the other). Building the descriptor in code avoids a
protoc step and works with any protobuf runtime from 5.29 on.
"""

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto
_REPEATED = _F.LABEL_REPEATED
_OPTIONAL = _F.LABEL_OPTIONAL

METRIC_TYPES = (
    "UNKNOWN",
    "COUNTER",
    "GAUGE",
    "HISTOGRAM",
    "GAUGEHISTOGRAM",
    "SUMMARY",
    "INFO",
    "STATESET",
)


def _message(file, name, fields):
    message = file.message_type.add(name=name)
    for field_name, number, kind, label, type_name in fields:
        entry = message.field.add(name=field_name, number=number, type=kind, label=label)
        if type_name:
            entry.type_name = type_name
    return message


def _file() -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(
        name="itops/monitoring/remote_write.proto", package="prometheus", syntax="proto3"
    )
    message = _F.TYPE_MESSAGE
    _message(
        file,
        "WriteRequest",
        [
            ("timeseries", 1, message, _REPEATED, ".prometheus.TimeSeries"),
            ("metadata", 3, message, _REPEATED, ".prometheus.MetricMetadata"),
        ],
    )
    _message(
        file,
        "TimeSeries",
        [
            ("labels", 1, message, _REPEATED, ".prometheus.Label"),
            ("samples", 2, message, _REPEATED, ".prometheus.Sample"),
        ],
    )
    _message(
        file,
        "Label",
        [
            ("name", 1, _F.TYPE_STRING, _OPTIONAL, None),
            ("value", 2, _F.TYPE_STRING, _OPTIONAL, None),
        ],
    )
    _message(
        file,
        "Sample",
        [
            ("value", 1, _F.TYPE_DOUBLE, _OPTIONAL, None),
            ("timestamp", 2, _F.TYPE_INT64, _OPTIONAL, None),
        ],
    )
    metadata = _message(
        file,
        "MetricMetadata",
        [
            ("type", 1, _F.TYPE_ENUM, _OPTIONAL, ".prometheus.MetricMetadata.MetricType"),
            ("metric_family_name", 2, _F.TYPE_STRING, _OPTIONAL, None),
            ("help", 4, _F.TYPE_STRING, _OPTIONAL, None),
            ("unit", 5, _F.TYPE_STRING, _OPTIONAL, None),
        ],
    )
    enum = metadata.enum_type.add(name="MetricType")
    for number, name in enumerate(METRIC_TYPES):
        enum.value.add(name=name, number=number)
    _message(
        file,
        "WriteRequestLite",
        [
            ("timeseries", 1, message, _REPEATED, ".prometheus.TimeSeriesLite"),
            ("metadata", 3, message, _REPEATED, ".prometheus.MetricMetadata"),
        ],
    )
    _message(
        file,
        "TimeSeriesLite",
        [
            ("labels", 1, _F.TYPE_BYTES, _REPEATED, None),
            ("samples", 2, message, _REPEATED, ".prometheus.Sample"),
        ],
    )
    _message(
        file,
        "WriteRequestRaw",
        [
            ("timeseries", 1, message, _REPEATED, ".prometheus.TimeSeriesRaw"),
            ("metadata", 3, message, _REPEATED, ".prometheus.MetricMetadata"),
        ],
    )
    _message(
        file,
        "TimeSeriesRaw",
        [
            ("labels", 1, _F.TYPE_BYTES, _REPEATED, None),
            ("samples", 2, _F.TYPE_BYTES, _REPEATED, None),
        ],
    )
    return file


_pool = descriptor_pool.DescriptorPool()
_pool.Add(_file())


def _class(name: str):
    return message_factory.GetMessageClass(_pool.FindMessageTypeByName(f"prometheus.{name}"))


WriteRequest = _class("WriteRequest")
TimeSeries = _class("TimeSeries")
Label = _class("Label")
Sample = _class("Sample")
MetricMetadata = _class("MetricMetadata")
WriteRequestLite = _class("WriteRequestLite")
TimeSeriesLite = _class("TimeSeriesLite")
WriteRequestRaw = _class("WriteRequestRaw")
TimeSeriesRaw = _class("TimeSeriesRaw")
