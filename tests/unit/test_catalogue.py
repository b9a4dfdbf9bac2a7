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
        # metrics 13-15, from treatment_outcomes.csv (optional)
        "treatment_progress_rate",
        "acute_housing_problem_rate",
        "paid_work_rate",
        # metrics 16-17, from police/ (optional)
        "drug_offences",
        "drug_offences_rate",
        "neighbourhood_crime",
        "neighbourhood_crime_rate",
    }


def test_the_crime_metrics_say_their_unit_polarity_and_place():
    rows = {row["metric_id"]: row for row in catalogue.rows()}
    for metric in ("drug_offences", "neighbourhood_crime"):
        assert rows[metric]["unit"] == "count"
        assert rows[f"{metric}_rate"]["unit"] == "rate_per_1000"
        assert rows[metric]["interval_method"] == rows[f"{metric}_rate"]["interval_method"]
    assert {rows[m]["polarity"] for m in ("drug_offences", "drug_offences_rate")} == {
        "not_applicable"
    }
    assert rows["neighbourhood_crime"]["polarity"] == "lower_is_better"
    assert rows["drug_offences"]["ncdof_outcome"] == "Reduce drug supply"
    assert rows["drug_offences"]["ncdof_metric_type"] == "proxy"
    assert rows["neighbourhood_crime"]["ncdof_outcome_type"] == "strategic"
    assert rows["neighbourhood_crime"]["ncdof_metric_type"] == "headline"
    assert "police-recorded" in rows["neighbourhood_crime"]["national_definition_note"].lower()
    # the table says what a unit and a missing polarity are, in words
    table = catalogue.metric_table()
    assert "per 1,000" in table and "not better or worse" in table
