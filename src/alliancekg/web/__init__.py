"""The linked-data server behind ``alliancekg serve``: a read-only SPARQL endpoint, a query UI,
dereferenceable IRIs, the ontology's documentation and the dataset's VoID/DCAT description."""

from alliancekg.web.app import create_app
from alliancekg.web.service import ServerOptions

__all__ = ["ServerOptions", "create_app"]
