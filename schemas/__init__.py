"""Package data: cfl's schemas, read with importlib.resources."""
