"""People: faces found on images, clustered per tenant into people that can be named,
merged, deleted and searched by face (issue 20). Opt-in per server and tenant."""

from imagelens.people.models import FaceMatch, PeoplePage, PersonSummary, StoredFace
from imagelens.people.service import People

__all__ = ["FaceMatch", "People", "PeoplePage", "PersonSummary", "StoredFace"]
