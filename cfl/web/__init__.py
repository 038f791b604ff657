"""The offline verification page: static HTML and JavaScript shipped as package data."""
