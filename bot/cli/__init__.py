"""``samenkracht …``: the command line, a root group and one module per command group."""
