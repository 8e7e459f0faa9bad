"""The expiry date of an X.509 certificate, read from its DER bytes.

Python's `ssl` module gives the parsed certificate only when it was verified; a check with TLS
verification off still has the raw DER bytes, and the expiry sits at a fixed place in them:
Certificate -> tbsCertificate -> [version], serialNumber, signature, issuer, validity ->
notAfter (RFC 5280 section 4.1). Reading that path needs only a minimal DER walk.
"""

from datetime import UTC, datetime


class CertificateError(ValueError):
    pass


def _element(data: bytes, position: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at `position`."""
    if position + 2 > len(data):
        raise CertificateError("truncated certificate")
    tag = data[position]
    length = data[position + 1]
    position += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4 or position + count > len(data):
            raise CertificateError("bad length in certificate")
        length = int.from_bytes(data[position : position + count], "big")
        position += count
    end = position + length
    if end > len(data):
        raise CertificateError("truncated certificate")
    return tag, position, end


def _time(tag: int, raw: bytes) -> datetime:
    text = raw.decode("ascii")
    if tag == 0x17:  # UTCTime, YYMMDDHHMMSSZ; years 50-99 are 19xx
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif tag != 0x18:  # GeneralizedTime, YYYYMMDDHHMMSSZ
        raise CertificateError("validity time has an unknown type")
    return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def not_after(der: bytes) -> datetime:
    """When the certificate stops being valid (UTC)."""
    _tag, start, _end = _element(der, 0)  # Certificate
    tag, position, tbs_end = _element(der, start)  # tbsCertificate
    if tag != 0x30:
        raise CertificateError("not an X.509 certificate")
    tag, _start, end = _element(der, position)
    if tag == 0xA0:  # [0] version, optional
        position = end
    for _skipped in ("serialNumber", "signature", "issuer"):
        _tag, _start, position = _element(der, position)
    tag, start, _end = _element(der, position)  # validity
    if tag != 0x30:
        raise CertificateError("validity not found")
    _tag, _start, after_not_before = _element(der, start)
    tag, start, end = _element(der, after_not_before)
    return _time(tag, der[start:end])
