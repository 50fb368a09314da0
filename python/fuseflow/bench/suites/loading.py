"""loading"""
DESCRIPTION = "todo"


def run(ctx):
    pass
