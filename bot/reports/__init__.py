"""Rendering of reports: charts (matplotlib), XLSX (openpyxl) and .docx (python-docx).

CPU-bound and blocking: handlers and jobs call these through `asyncio.to_thread`.
"""
