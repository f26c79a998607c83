from ccp.services import members_import_csv
from ccp.services.enrolment import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from core.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import newly certified members from the exam system's CSV (one row per certification). "
        "Every row or none: bad rows are reported with their line numbers and nothing is imported."
    )
    import_csv = staticmethod(members_import_csv)
    columns_help = (
        f"CSV file with the header {','.join(REQUIRED_COLUMNS)} (certified_on as YYYY-MM-DD) and "
        f"optionally {','.join(OPTIONAL_COLUMNS)}"
    )

    def summary(self, report) -> str:
        return (
            f"Imported {len(report.members_created)} new member(s) and "
            f"{len(report.certifications_created)} certification(s); invitations queued."
        )
