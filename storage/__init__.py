"""Storage: SQLAlchemy models, the engine and its transactions, repositories per aggregate.

Nothing here imports the rest of the project. Repository functions take an ``AsyncSession``,
never commit, and return models; the caller owns the transaction (``async with db.write()``).
"""
