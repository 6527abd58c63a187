"""Printable documents (the signed agreement, a round's score report) as Thai PDFs.

Layout only: the data arrives as the plain records of documents.model, built by the application
layer; nothing here reads the database or decides a rule. The PDF library is heavy to import,
so only documents.render imports it, and only when a document is made (decision 0040).
"""
