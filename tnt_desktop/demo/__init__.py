"""The demo generator: throwaway databases of synthetic subjects, written through the services
like a site would (every value through the entry session and the one write path). It is not a
use case of the trial, so it lives beside the services, not among them:

    generator.py  generate_demo: accounts, the subjects' plans, the review (queries, SDV, signing)
    data.py       synthetic-data vocabulary and the random plan of one subject
    subject.py    writing one subject's forms, visit by visit
    review.py     the monitor's and investigator's part: queries, SDV, signatures
"""

from tnt_desktop.demo.generator import USERNAMES, generate_demo, new_password

__all__ = ["USERNAMES", "generate_demo", "new_password"]
