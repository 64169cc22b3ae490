"""Data access per aggregate: functions that take an AsyncSession and never commit."""
