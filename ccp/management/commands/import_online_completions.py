from ccp.services.online_import import online_completions_import_csv
from core.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Record completions of the body's online CE from a CSV file, as the learning platform's API does. "
        "Every row or none: bad rows are reported with their line numbers and nothing is recorded; "
        "completions recorded before are counted, not recorded again."
    )
    import_csv = staticmethod(online_completions_import_csv)
    columns_help = (
        "CSV file with the header member_number,course_id,title,completed_on,contact_hours "
        "and optionally credential (completed_on as YYYY-MM-DD)"
    )
