"""index"""
DESCRIPTION = "todo"


def run(ctx):
    pass
