from ccp.services import members_import_csv
from core.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import newly certified members from the exam system's CSV (one row per certification). "
        "Every row or none: bad rows are reported with their line numbers and nothing is imported."
    )
    import_csv = staticmethod(members_import_csv)
    columns_help = (
        "CSV file with the header member_number,first_name,last_name,email,credential,certified_on and "
        "optionally middle_name,phone,address_line1,address_line2,city,state,postal_code,country"
    )

    def summary(self, report) -> str:
        return (
            f"Imported {len(report.members_created)} new member(s) and "
            f"{len(report.certifications_created)} certification(s); invitations queued."
        )
