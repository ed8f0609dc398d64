"""Use cases: every read and every change of clinical data goes through these functions.

Each function takes an authenticated `AppSession` (services.session), checks the permission in
one place (services.permissions), and runs in one transaction. There is no other way to write.
"""
