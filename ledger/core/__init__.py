"""The pure core: canonical bytes, identifiers, keys and signing, errors, schemas, vocabularies and the rules.

No I/O of any kind is imported here (checked by the import contracts in pyproject.toml).
"""
