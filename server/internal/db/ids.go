package db

import (
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// GORM scans a uuid.UUID ([16]byte) as a collection, so id queries go
// through these helpers. The query must select one uuid column named id.

// IDs runs query and returns the id column of every row.
func IDs(tx *gorm.DB, query string, args ...any) ([]uuid.UUID, error) {
	var rows []struct{ ID uuid.UUID }
	if err := tx.Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out, nil
}

// ID runs query and returns the id of its first row, and whether there was one.
func ID(tx *gorm.DB, query string, args ...any) (uuid.UUID, bool, error) {
	var row struct{ ID uuid.UUID }
	res := tx.Raw(query, args...).Scan(&row)
	if res.Error != nil {
		return uuid.Nil, false, res.Error
	}
	return row.ID, res.RowsAffected > 0, nil
}
