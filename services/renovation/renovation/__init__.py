"""Home accessibility renovation service (家庭无障碍改造, 一户一策)."""
