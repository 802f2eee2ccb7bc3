"""smecredit: a small and micro enterprise credit platform (小微信贷)."""

__version__ = "0.1.0"
