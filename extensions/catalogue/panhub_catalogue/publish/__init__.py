"""Publishing: DataCite documents, DOIs, and the outputs made from them (OAI-PMH, citations)."""
