"""Package data: cfl's rulesets, read with importlib.resources."""
