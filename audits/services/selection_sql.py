"""The campaign's selection done by PostgreSQL, set-based (bench/audit_selection.py: 333,000 certifications).

The same rule as audits.rules (the N smallest SHA-256(seed + ":" + certification id), the digest of the sorted
population ids), computed where the rows are: the population is never read into Python, and the audits and
written by one INSERT ... SELECT. The Python path (audits.rules) stays the
definition: it runs on SQLite, and `campaign_verify` re-derives every selection with it.
"""

from django.db import connection
from django.db.models import Model, QuerySet

from audits.models import Audit, AuditCampaign

# The population rows as Python's rules.selection_key sees them: the key's text is seed:id in decimal.
KEY = "sha256(convert_to(%s || population.certification_id::text, 'UTF8'))"


def population_facts(rolled: QuerySet) -> tuple[int, str, bool]:
    """From the rolled cycles: the population's size (certifications), its rules.population_digest (the
    sorted ids in decimal, one per line), and whether each certification has one cycle only (it always has
    unless a reinstatement made two: then the selection must pick the latest, a costlier query)."""
    sql, params = rolled.values("certification_id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT coalesce(cardinality(ids), 0),
                       encode(sha256(convert_to(coalesce(array_to_string(ids, E'\\n'), ''), 'UTF8')), 'hex'),
                       cycles = coalesce(cardinality(ids), 0)
                FROM (SELECT count(*) AS cycles,
                             array_agg(DISTINCT certification_id ORDER BY certification_id) AS ids
                      FROM ({sql}) AS rolled) AS facts""",
            params,
        )
        count, digest, one_cycle_each = cursor.fetchone()
    return count, digest, one_cycle_each


def store_selection(campaign: AuditCampaign, cycles: QuerySet, *, template: Audit) -> int:
    """The campaign's N audits, ranked by their selection key: one INSERT ... SELECT over the population
    (`cycles`: one audited cycle per certification), the other columns as in `template`."""
    sql, params = cycles.values("certification_id", "id", "required_points").query.sql_with_params()
    chosen = (
        f"FROM (SELECT population.*, {KEY} AS selection_key FROM ({sql}) AS population "
        "ORDER BY selection_key LIMIT %s) AS chosen"
    )
    per_row = {
        "certification_id": "chosen.certification_id",
        "cycle_id": "chosen.id",
        "required_points": "coalesce(chosen.required_points, 0)",
        "rank": "row_number() OVER (ORDER BY chosen.selection_key)",
    }
    return _insert_select(
        Audit, template, per_row, chosen, [f"{campaign.seed}:", *params, campaign.selected_count]
    )


def _insert_select(model: type[Model], template: Model, per_row: dict[str, str], source: str, params) -> int:
    """INSERT every concrete column of `model`: those named in `per_row` from the SELECT's expressions, the
    others the template instance's values, prepared as bulk_create would (defaults, auto_now_add)."""
    columns, values, constants = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(str(field.column)))
        if field.attname in per_row:
            values.append(per_row[field.attname])
        else:
            values.append("%s")
            constants.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}",
            [*constants, *params],
        )
        return cursor.rowcount
