"""The recurrent baseline: a (bidirectional) LSTM that never reads padding, pooled over time."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..config import LSTMConfig
from ..layers import global_pool
from .classifier import TextClassifier
from .embedding import WordEmbedding
from .registry import register_model
from .wide import NgramBag


def reverse_within_lengths(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[b]`` positions, leaving padding in place: ``(B, L, D) -> (B, L, D)``.

    The permutation is its own inverse, so applying it twice gives ``x`` back.
    """
    positions = torch.arange(x.shape[1], device=x.device).unsqueeze(0)  # (1, L)
    lengths = lengths.unsqueeze(1)  # (B, 1)
    index = torch.where(positions < lengths, lengths - 1 - positions, positions)  # (B, L)
    return x.gather(1, index.unsqueeze(-1).expand_as(x))


class LSTMEncoder(nn.Module):
    """``(B, L, in_dim), mask (B, L) -> (B, directions * hidden_size)``.

    No direction ever reads padding: the forward LSTM runs left to right and its outputs at real
    positions come before any padding; the backward LSTM runs over each text reversed within its
    own length, so it starts at the text's real last word. This gives exactly the outputs that
    ``pack_padded_sequence`` gives (``packed: true`` runs that path; a test holds the two equal),
    but on CPU it is far faster: in torch 2.13 the packed backward pass allocates and adds a
    full-size zero tensor for every time step, quadratic in the text's length.
    Masks must be left-aligned (True then False) with at least
    one real position per row, as the batcher makes them.
    """

    def __init__(self, in_dim: int, config: LSTMConfig) -> None:
        super().__init__()
        directions = 2 if config.bidirectional else 1
        self.layers = nn.ModuleList(
            nn.ModuleList(
                nn.LSTM(in_dim if i == 0 else config.hidden_size * directions, config.hidden_size, batch_first=True)
                for _ in range(directions)
            )
            for i in range(config.num_layers)
        )
        self.between = nn.Dropout(config.lstm_dropout)
        self.pooling = config.pooling
        self.packed = config.packed
        self.out_dim = config.hidden_size * directions

    def _run(self, lstm: nn.LSTM, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Outputs ``(B, L, H)`` of one direction's LSTM over left-aligned texts (padding outputs are junk)."""
        if not self.packed:
            return lstm(x)[0]
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        return pad_packed_sequence(lstm(packed)[0], batch_first=True, total_length=x.shape[1])[0]

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        lengths = mask.sum(dim=1).clamp(min=1)  # (B,)
        for i, directions in enumerate(self.layers):
            if i > 0:
                x = self.between(x)
            outputs = [self._run(directions[0], x, lengths)]  # (B, L, H), left to right
            if len(directions) == 2:
                backward = self._run(directions[1], reverse_within_lengths(x, lengths), lengths)
                outputs.append(reverse_within_lengths(backward, lengths))  # back in reading order
            x = torch.cat(outputs, dim=-1)  # (B, L, directions * H)
        if self.pooling != "last":
            return global_pool(x.transpose(1, 2), self.pooling, mask=mask)  # (B, directions * H)
        # Final states: the forward one at the last word, the backward one at the first word.
        hidden = x.shape[-1] // len(self.layers[-1])
        last = x.gather(1, (lengths - 1).view(-1, 1, 1).expand(-1, 1, x.shape[-1]))[:, 0]  # (B, dirs * H)
        if len(self.layers[-1]) == 1:
            return last
        return torch.cat([last[:, :hidden], x[:, 0, hidden:]], dim=-1)


@register_model("lstm")
def build_lstm(config: LSTMConfig, vocab_size: int, num_classes: int) -> TextClassifier:
    embedding = WordEmbedding.from_config(config, vocab_size)
    encoder = LSTMEncoder(embedding.out_dim, config)
    return TextClassifier(
        embedding,
        encoder,
        num_classes,
        dropout=config.dropout,
        wide=NgramBag.from_config(config, vocab_size, num_classes),
    )
