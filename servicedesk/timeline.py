def register_core_sources():
    pass
