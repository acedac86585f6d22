"""necks of mmposenas (registered into mmpose.registry.MODELS on import)."""
