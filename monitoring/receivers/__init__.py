"""HTTP receivers that push metrics into `monitoring.ingest`."""
