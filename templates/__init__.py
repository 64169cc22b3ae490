"""Jinja2 templates: the "Uitkomsten Samenkracht-bijeenkomst" summary and longer messages.

Filled in by the summaries work; kept as a package so the templates ship with the code.
"""
