from whitenoise.storage import CompressedManifestStaticFilesStorage


class ForgivingManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; before `collectstatic` has run (tests, a fresh checkout
    under DEBUG) templates still render with the plain file names."""

    manifest_strict = False
