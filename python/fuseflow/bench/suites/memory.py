"""memory"""
DESCRIPTION = "todo"


def run(ctx):
    pass
