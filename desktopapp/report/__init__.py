"""The batch's inventory report as a PDF (pure: no Qt, no server).

`render_pdf(snapshot, thumbnails, "fr")` (in `report.pdf`) gives the PDF's bytes;
`thumbnails` maps a photo id to its thumbnail file (or None). Importing this package is
cheap: fpdf2 loads with `report.pdf`, when a report is first asked for.
"""

from desktopapp.report.strings import LANGUAGES

__all__ = ["LANGUAGES"]
