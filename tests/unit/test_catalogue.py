"""The catalogue is the one place metrics are defined: the README and dbt docs follow it."""

from pipelines.transform import catalogue


def test_readme_metric_table_is_generated_from_the_catalogue():
    readme = catalogue.README.read_text(encoding="utf-8")
    assert catalogue.readme_with_table(readme) == readme, (
        "run python -m pipelines.transform.catalogue"
    )


def test_dbt_docs_block_is_generated_from_the_catalogue():
    assert catalogue.DOCS_BLOCK.read_text(encoding="utf-8") == catalogue.docs_block()


def test_every_metric_of_metrics_md_is_catalogued():
    ids = {row["metric_id"] for row in catalogue.rows()}
    assert ids == {
        "adults_in_treatment",
        "young_people_in_treatment",
        "new_presentations",
        "successful_completion_rate",
        "unplanned_exit_rate",
        "unplanned_exits",
        "early_unplanned_exit_rate",
        "continuity_of_care_rate",
        "referral_conversion_rate",
        "deaths_in_treatment",
        "deaths_in_treatment_rate",
        "drug_misuse_deaths",
        "drug_misuse_death_rate",
        "drug_misuse_death_rate_dsr",
        "unmet_need_opiate_crack",
        "unmet_need_alcohol",
        "treatment_progress_rate",
        "acute_housing_problem_rate",
        "paid_work_rate",
    }
