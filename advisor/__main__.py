"""`python -m advisor`."""


from advisor.cli import entry

if __name__ == "__main__":
    entry()
