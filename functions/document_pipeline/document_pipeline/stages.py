"""The three stages as plain functions from one contract to the next. No event shapes."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter

from document_pipeline.contracts import (
    MAX_TEXT_CHARS,
    DocumentAnalysis,
    DocumentRequest,
    ExtractedDocument,
    StoredAnalysis,
    TermCount,
)
from document_pipeline.documents import MAX_DOCUMENT_BYTES, read_document, write_analysis
from shared.errors import PayloadTooLargeError, UnsupportedMediaTypeError

TEXT_TYPES = ("text/", "application/json", "application/xml")
_WORD = re.compile(r"[^\W\d_](?:[\w'-]*\w)?")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "were",
        "will",
        "with",
        "you",
        "your",
    ]
)


def extract(request: DocumentRequest) -> ExtractedDocument:
    """The document's text. Not text, too large or not UTF-8: permanent errors (the input cannot change)."""
    body, content_type, size = read_document(request.key)
    media_type = content_type.split(";")[0].strip().lower()
    if not media_type.startswith(TEXT_TYPES):
        raise UnsupportedMediaTypeError(f"document {request.key} is {media_type}, not text")
    if size > MAX_DOCUMENT_BYTES:
        raise PayloadTooLargeError(f"document {request.key} is {size} bytes; the limit is {MAX_DOCUMENT_BYTES}")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnsupportedMediaTypeError(f"document {request.key} is not UTF-8 text (byte {exc.start})") from None
    if len(text) > MAX_TEXT_CHARS:
        raise PayloadTooLargeError(f"document {request.key} has {len(text)} characters; the limit is {MAX_TEXT_CHARS}")
    return ExtractedDocument(
        document_id=request.document_id, key=request.key, content_type=media_type, size_bytes=size, text=text
    )


def analyze(document: ExtractedDocument) -> DocumentAnalysis:
    """Counts and the ten most frequent terms (stop words left out; ties in alphabetical order)."""
    words = [word.lower() for word in _WORD.findall(document.text)]
    counts = Counter(word for word in words if word not in STOPWORDS and len(word) > 1)
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:10]
    return DocumentAnalysis(
        document_id=document.document_id,
        key=document.key,
        sha256=hashlib.sha256(document.text.encode()).hexdigest(),
        characters=len(document.text),
        lines=len(document.text.splitlines()),
        words=len(words),
        top_terms=[TermCount(term=term, count=count) for term, count in top],
    )


def analysis_key(document_id: str) -> str:
    return f"analysis/{document_id}.json"


def store(analysis: DocumentAnalysis) -> StoredAnalysis:
    """Write the analysis as JSON (same key for the same document: a retried store overwrites, never duplicates)."""
    key = analysis_key(analysis.document_id)
    write_analysis(key, json.dumps(analysis.model_dump(mode="json"), indent=2).encode())
    return StoredAnalysis(
        document_id=analysis.document_id, source_key=analysis.key, analysis_key=key, words=analysis.words
    )
