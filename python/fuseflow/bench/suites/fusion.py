"""fusion"""
DESCRIPTION = "todo"


def run(ctx):
    pass
