"""Package data: cfl's templates, read with importlib.resources."""
