"""cfl — carbon-footprint label toolkit."""

__version__ = "0.1.0"
