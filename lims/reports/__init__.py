"""Reports rendered from service results (PDF with reportlab, XLSX with openpyxl)."""
