"""Operations: the single-writer lock and the warehouse resource (`lock`), the run record
(`run_record`), and the schedule and sensors (`automation`)."""
