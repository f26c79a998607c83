from ccp.services.online import online_completions_import_csv
from core.csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Record completions of the body's online CE from a CSV file, as the learning platform's API does. "
        "Every row or none: bad rows are reported with their line numbers and nothing is recorded; "
        "completions recorded before are counted, not recorded again."
    )
    columns_help = (
        "CSV file with the header member_number,course_id,title,completed_on,contact_hours "
        "and optionally credential (completed_on as YYYY-MM-DD)"
    )

    def import_text(self, text, today):
        return online_completions_import_csv(text=text, today=today)
