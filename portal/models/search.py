"""The bigram side table of the name searches (portal/name_search.py), kept by database triggers."""
from __future__ import annotations

from portal.extensions import db
from portal.name_search import grams_table

name_grams, name_gram_positions = grams_table(db.metadata)
