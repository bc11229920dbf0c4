"""LlamaIndex ingestion: Parallel search results and task citations as Documents, through an IngestionPipeline
with a docstore into a vector index that then answers a retrieval; ingesting again replaces, never duplicates.

Embeddings come from LlamaIndex's MockEmbedding here so the script runs offline; put your embedding model in its
place. With ``PARALLEL_API_KEY`` set the readers call the Parallel API; without it, the emulator starts on a free
port.

    .venv/bin/python cookbook/llama_index_ingestion.py
"""

from __future__ import annotations

from llama_index.core import VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.storage.docstore import SimpleDocumentStore
from llama_index.core.vector_stores import SimpleVectorStore

from parallel_integrations import ParallelClient
from parallel_integrations.llama_index import ParallelSearchReader, ParallelTaskReader


def main(client: ParallelClient) -> None:
    """Load, ingest, ingest again, and retrieve, with ``client``."""
    embed_model = MockEmbedding(embed_dim=8)
    docstore, vector_store = SimpleDocumentStore(), SimpleVectorStore()
    pipeline = IngestionPipeline(
        transformations=[SentenceSplitter(chunk_size=512), embed_model], docstore=docstore, vector_store=vector_store
    )

    print("== Search results as documents")
    documents = ParallelSearchReader(client=client, max_results=5).load_data("how do Python decorators work")
    for document in documents:
        print(f"  {document.metadata['rank']}. {document.metadata['title']}  id={document.id_}")

    print("\n== Task citations as documents")
    cited = ParallelTaskReader(client=client, processor="lite").load_data("What does the Python with statement do?")
    for document in cited:
        if "field" in document.metadata:
            print(f"  [{document.metadata['field']}, {document.metadata['confidence']}] {document.metadata['url']}")
        else:
            print(f"  answer document {document.id_}: {document.text[:80]!r}...")

    print("\n== Ingestion, then the same search ingested again")
    nodes = pipeline.run(documents=documents + cited)
    print(f"  first run:  {len(docstore.docs)} documents, {len(vector_store.data.embedding_dict)} vectors")
    again = ParallelSearchReader(client=client, max_results=5).load_data("how do Python decorators work")
    pipeline.run(documents=again)
    print(f"  second run: {len(docstore.docs)} documents, {len(vector_store.data.embedding_dict)} vectors")

    print("\n== Retrieval from an index of the embedded nodes")
    index = VectorStoreIndex(nodes, embed_model=embed_model)  # the nodes carry their embeddings already
    for hit in index.as_retriever(similarity_top_k=3).retrieve("decorator syntax"):
        print(f"  {hit.score:.3f} {hit.node.metadata.get('url')}")


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator(), ParallelClient() as client:
        main(client)
