"""TNT Desktop: the eCRF of the TNT-STS trial (NCT06593899).

The version below is the single source of truth: pyproject reads it, the CLI prints it,
the ODM export and the audit trail stamp it.
"""

__version__ = "0.1.0"
APP_NAME = "TNT Desktop"
